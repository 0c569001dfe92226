// Torch module: placeholder until its issue lands.
