"""Signals orgs sends about its tree, so that later apps can keep what they derive from it
without orgs naming them (assessments' stored report aggregates follow the tree's shape)."""

from django.dispatch import Signal

# Sent inside the moving transaction after an organization was put under a new parent (or made
# a root), with `organization`, `old_parent_path` ("" for a root before) and `new_path`.
organization_moved = Signal()
