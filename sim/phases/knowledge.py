"""Knowledge: spillovers of know-how between labs, and beliefs that learn from results
(MODEL.md, "Knowledge spillovers", "Beliefs that learn").

``spread`` reads the labs' algorithmic efficiency, openness and engineers and the lab network;
it changes each lab's algorithmic efficiency (closing part of its gap to its best neighbour)
and, in the ideas regime, its research stock (rivals' published work). ``learn`` reads the
results that became public this step; it changes every other lab's believed compute
elasticity.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.economics import compiled, progress

# Above this many labs the spillovers are the compiled loop (sim.economics.spillover_kernel):
# the same gains, ~5 us a step instead of ~15 for the numpy version it replaced (measured).
COMPILED_ABOVE_LABS = 10


def spread(model) -> None:
    sp = model.mech.spillovers
    labs = model.active
    if not sp.enabled or len(labs) < 2:
        return
    if model._adjacency is None:
        n = len(labs)
        if model.world.network == "complete":
            # Everyone is linked: skip networkx's dense conversion, slow for hundreds of labs.
            matrix = np.ones((n, n)) - np.eye(n)
        else:
            matrix = nx.to_numpy_array(model.network, nodelist=[lab.unique_id for lab in labs])
        # The kernel takes the array; the plain loops read nested lists faster.
        model._adjacency = matrix if n > COMPILED_ABOVE_LABS else matrix.tolist()
    dt = model.dt_years
    ln_a = [lab.ln_a for lab in labs]
    openness = [lab.openness for lab in labs]
    engineers = [lab.engineers for lab in labs]
    if len(labs) > COMPILED_ABOVE_LABS:
        # One conversion for the three: each distinct numpy call costs ~5 us inside a run.
        terms = np.array([ln_a, openness, engineers], dtype=float)
        gain = (
            compiled.kernel("spillover_kernel")
            .spillover_log_gain(
                terms[0],
                terms[1],
                terms[2],
                model._adjacency,
                float(sp.absorptive_half_engineers),
                progress.spillover_closed_share(sp.rate_per_year, dt),
            )
            .tolist()
        )
    else:
        gain = progress.spillover_log_gain(
            ln_a,
            openness,
            engineers,
            model._adjacency,
            sp.rate_per_year,
            sp.absorptive_half_engineers,
            dt,
        )
    for lab, g in zip(labs, gain, strict=True):
        lab.ln_a += g
    if model.ideas_weight > 0:
        # Rivals' published research adds to a lab's stock of ideas, weighted by openness.
        open_years = sum(lab.openness * lab.engineers for lab in labs) * dt
        for lab in labs:
            lab.research_engineer_years += sp.research_share * (
                open_years - lab.openness * lab.engineers * dt
            )


def learn(model) -> None:
    """Rivals' results, now public, move every other lab's belief (vectorised: with
    hundreds of labs there are millions of lab-lessons in a run)."""
    # Most steps teach nothing: checked here, they cost one lookup.
    if model.k not in model.pending_lessons:
        return
    due = model.pending_lessons.pop(model.k, None)
    labs = model.active
    if not due or not labs or not model.mech.belief_learning.enabled:
        return
    if len(labs) <= 16:
        # A few labs: plain loops beat numpy's per-call overhead.
        for source, observed in due:
            for lab in labs:
                if lab is not source:
                    lab.learn_from(observed)
        return
    belief = np.array([lab.belief for lab in labs])
    weight = 1.0 - np.array([lab.conviction for lab in labs])
    position = {lab.unique_id: i for i, lab in enumerate(labs)}
    for source, observed in due:
        i = position.get(source.unique_id)
        own = belief[i] if i is not None else None
        belief += weight * (observed - belief)
        if i is not None:
            belief[i] = own  # a lab learned from its own result when it completed
    np.clip(belief, 0.01, 0.99, out=belief)
    for lab, b in zip(labs, belief.tolist(), strict=True):
        lab.belief = b
