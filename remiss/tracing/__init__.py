"""Tracing: which comments of a remiss led to which change in a later version ("ni sa – vi gjorde"),
and from a principle back to every comment on its earlier texts and what was done with it."""
