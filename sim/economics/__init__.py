"""The economics of labsim as small pure functions with units in their names.

Each module holds one concept (scaling law, hardware curve, algorithmic progress, training
and bootstrapping, market, funding, concentration, overhang). Agents and the model compose
them; tests check them against published numbers.
"""
