// DICOMCodecs module: placeholder until its issue lands.
