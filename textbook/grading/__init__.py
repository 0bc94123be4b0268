"""Graded exercises: declarative specs, a sandboxed runner, and a tamper-proof gradebook.

* :mod:`~textbook.grading.spec`: ``Exercise``, the check kinds ``Compare``, ``GradCheck``,
  ``Property``, and ``load_exercise`` for ``exercises/<slug>/spec.py``.
* :mod:`~textbook.grading.sandbox`: runs one submission's functions in a jailed child process.
* :mod:`~textbook.grading.engine`: plans the cases and scores the returned arrays with
  :func:`textbook.core.testing.compare`, in the trusted parent.
* :mod:`~textbook.grading.gradebook`: grades a folder (parallel, resumable), CSV gradebook.
* :mod:`~textbook.grading.gradescope`: ``results.json`` and the Gradescope autograder bundle.
* :mod:`~textbook.grading.cli`: ``textbook exercises|check|grade|gradescope-bundle``.
"""
