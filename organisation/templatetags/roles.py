"""The roles an access-log row recorded ("caseworker,manager"), as the roles' names."""

from django import template

from organisation.roles import Role

register = template.Library()


@register.filter
def role_names(roles: str) -> str:
    return ", ".join(str(Role(r).label) for r in roles.split(",") if r in Role.values)
