"""pgviz: policy gradients and the score-function (log-derivative) trick, derived and checked.

Modules by concern, imports pointing one way:
symbolic -> distributions -> derivations / estimators / mdp -> plots -> widgets.
"""
