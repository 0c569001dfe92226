// TorchNN module: placeholder until its issue lands.
