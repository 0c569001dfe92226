// SonoData module: placeholder until its issue lands.
