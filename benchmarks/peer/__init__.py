"""Concilia Hub against PostGraphile 4.14.1 on the same catalogue (`python -m benchmarks.peer`)."""
