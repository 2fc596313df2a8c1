from django.dispatch import receiver

from digital_engineer.services import held_hours_post
from portal.registration import registration_approved


@receiver(registration_approved)
def post_held_hours(sender, user, **kwargs):
    held_hours_post(user)
