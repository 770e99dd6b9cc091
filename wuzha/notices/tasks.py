"""Background work of the notices app: load by id, call a service; idempotent."""

from django.tasks import task

from .models import PdfJob
from .services import pdf_job_run


@task()
def generate_pdf(job_id: int) -> None:
    """Generate the PDF of job `job_id` (letters or archive), recording progress on the job."""
    job = PdfJob.objects.select_related("notice__unit", "unit").filter(pk=job_id).first()
    if job is not None:
        pdf_job_run(job=job)
