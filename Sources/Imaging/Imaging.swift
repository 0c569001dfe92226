// Imaging module: placeholder until its issue lands.
