"""Models of the book: RBMs and DBNs, the papers' networks, and simple baselines."""
