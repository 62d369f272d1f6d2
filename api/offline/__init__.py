"""Offline field work (issue 16): the beat pack a device keeps for working without a network."""
