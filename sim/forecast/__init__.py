"""Forecasts under uncertainty (``labsim forecast``, ``labsim backtest``).

``distributions`` holds a forecaster's belief about one parameter, ``priors`` reads and checks
a priors file, ``copula`` imposes rank correlations, ``sampling`` draws the parameter sets,
``evaluate`` adds the derived measures a forecast records, ``runner`` runs the worlds on the
sweep machinery and ``outputs`` reduces them to quantiles and structure probabilities;
``backtest`` scores a forecast against a record of facts; ``cli`` holds the commands.
"""
