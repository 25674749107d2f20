"""Shared data for the deals tests (deals themselves are made through the services, see
conftest.py)."""

# Every criterion of the default lead definition met: the lead qualifies.
ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}
