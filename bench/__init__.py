"""Performance benchmarks of the book's training loops (driven by `make bench`).

- `python -m bench.run`: the d2l way against the book's way and the compute floor, on Fashion-MNIST
  (chapter 3's MLP) and CIFAR-10 (chapter 7's LeNet-5), plus evaluation, worker start-up, per-item
  costs and a torch.profiler summary; results go to `bench/results/latest.json`.
- `python -m bench.book_timings`: the whole book's FULL execution and nbval SMOKE pass, timed;
  results go to `bench/results/book_timings.json`.
- `bench.report` turns saved results into tables (the run prints them; the performance appendix shows them).
"""
