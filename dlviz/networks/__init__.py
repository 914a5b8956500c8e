"""The notes' other networks: autoencoders, recurrent networks, Boltzmann machines."""
