"""The approval form: the role and health partnership a waiting account is given."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.models import Partnership, Role


class ApprovalForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    partnership = forms.ModelChoiceField(
        label=_("Health partnership"),
        queryset=Partnership.objects.order_by("name"),
        required=False,
        empty_label=_("None (common text)"),
    )

    def __init__(self, *args, identity_id: int, **kwargs) -> None:
        # Each waiting account has its own form on the page: its fields get ids of their own.
        kwargs["auto_id"] = f"id_{identity_id}_%s"
        super().__init__(*args, **kwargs)
