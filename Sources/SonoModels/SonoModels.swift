// SonoModels module: placeholder until its issue lands.
