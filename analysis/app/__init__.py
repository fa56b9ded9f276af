"""``labsim app``: the model in the browser, built on Mesa's SolaraViz (Solara).

Needs the ``app`` extra (``pip install -e ".[app]"``). Modules: ``controls`` (the inputs, read
from the parameter schema), ``figures`` (matplotlib figures of a run or of many seeds),
``seeds`` (runs of many seeds), ``components`` (the Solara components), ``page`` (the page
``solara run`` serves), ``assets`` (the page's browser assets) and ``cli`` (``labsim app``).
Nothing in the core package imports this one.
"""
