"""Differentiable nets: the one activation table, the feed-forward net with the one backprop,
and the recurrent net unfolded in time (whose BPTT runs through the same backprop).
"""
