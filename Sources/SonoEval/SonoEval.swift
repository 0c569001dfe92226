// SonoEval module: placeholder until its issue lands.
