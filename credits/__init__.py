"""The hours ledger (学时账本), in the house's one layout (ARCHITECTURE.md):

- models.py — entries, totals, year rules, declarations, offline uploads, jobs;
- services.py — the one way into the ledger (credit_post, credit_post_batch,
  credit_reverse) and LedgerError, the refusal every ledger write raises;
- selectors.py — reads, and what each role may see or do of the ledger's objects;
- views.py, report_views.py — the pages; forms.py — their forms; urls.py;
- tasks.py — the Celery names (the jobs are defined beside their work).

The subdomains, each a service module of the same kind beside them:
declarations.py (declare and review), eligibility.py (the title-application
condition), offline_upload.py (an HR workbook checked, previewed, confirmed) and
offline_jobs.py (its intake, and large files read on a worker), reports.py (the
compliance report job), exports.py (the sheets and chart data the pages hand out),
hours_cache.py (我的学时's cached entry list).

Imports point one way: views → subdomain modules → services/selectors → models; no
module imports tasks.py, which imports reports and offline_jobs.
"""
