// SonoPhantom module: placeholder until its issue lands.
