"""Background jobs: the queue is django-tasks' API (Django 6's `django.tasks`) on
django-tasks-db, which keeps jobs in the site's own database, so the embedded SQLite default and
PostgreSQL both work without another server. `python manage.py worker` runs them.

What this app adds to django-tasks-db's worker: a worker that dies mid-job (kill -9, a lost
host) is noticed by the others through its heartbeat, and its job runs again, a bounded number
of times (`jobs.worker`); a job that raises is retried with backoff the same bounded number of
times. One floor above `core`: it imports no other app of the project.
"""
