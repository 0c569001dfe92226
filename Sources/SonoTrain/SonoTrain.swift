// SonoTrain module: placeholder until its issue lands.
