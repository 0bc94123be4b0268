"""Model solution of exercises/beam-search (standalone NumPy)."""

import numpy as np


def greedy(log_probs, next_state, start, bos, eos, max_len, alpha):
    state, token, total, tokens = start, bos, 0.0, []
    for _ in range(max_len):
        state = next_state[state, token]
        token = int(np.argmax(total + log_probs[state]))
        total = total + float(log_probs[state, token])
        tokens.append(token)
        if token == eos:
            break
    return np.array(tokens, dtype=np.int64), total / len(tokens) ** alpha


def beam_search(log_probs, next_state, start, bos, eos, max_len, beam_size, alpha):
    V = log_probs.shape[1]
    beam = [((), 0.0, start, bos)]                 # (tokens, total, state before the last token, last token)
    finished = []
    for t in range(1, max_len + 1):
        states = [next_state[s, last] for _, _, s, last in beam]
        totals = np.concatenate([total + log_probs[s] for (_, total, _, _), s in zip(beam, states)])
        room = beam_size - len(finished)
        order = np.argsort(-totals, kind="stable")[:room]
        next_beam = []
        for j in order:
            if totals[j] == -np.inf:
                break
            i, v = divmod(int(j), V)
            hyp = (beam[i][0] + (v,), float(totals[j]), states[i], v)
            (finished if v == eos or t == max_len else next_beam).append(hyp)
        beam = next_beam
        if not beam:
            break
    scored = [(np.array(tok, dtype=np.int64), total / len(tok) ** alpha) for tok, total, _, _ in finished]
    return sorted(scored, key=lambda ts: -ts[1])
