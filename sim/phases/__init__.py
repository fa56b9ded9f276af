"""The phases of one step, in the order ``LabRaceModel.advance`` runs them.

Each module holds the functions of one phase over the model's state; its docstring says what
the phase reads and what it changes. The economics they compute with are the pure functions in
``sim.economics``; the decisions a lab makes are its own (``sim.agents``).

1. ``books``        every lab opens an empty ledger; cached rankings are dropped
2. ``events``       scheduled mergers, wake-ups and markers
3. ``entry_exit``   scheduled and random entrants (exits and mergers are called from 2 and 7)
4. ``prices``       compute and salary prices for the step; hiring room
5. ``decisions``    each lab funds, staffs, buys compute, starts runs, does research
6. ``runs``         runs that end this step become models (``deployment`` puts them on sale)
7. ``deployment``   labs holding models back release them once a rival threatens them
8. ``market``       customers choose among products; revenue and serving costs are booked
9. ``finance``      investor rounds, wake-ups, failures (acquisition or exit)
10. ``knowledge``   spillovers of know-how over the lab network; beliefs learn from results
11. ``prices``      compute supply: scarcity sets next step's price multiplier
12. ``record``      the step's rows of the output tables
"""
