// DICOM module: placeholder until its issue lands.
