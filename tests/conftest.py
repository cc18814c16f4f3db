"""What every test run needs, whatever folder it starts in: test ids that name one test each.

schemathesis 4 gives every operation's generated test the same node id (the function's),
with the operation only in the test's name. A run in several worker processes
(pytest-xdist, `python3 dev.py test`) schedules tests by node id, so all but one of them
would silently collapse into one; and `pytest <id>` could not pick one operation. Each such
test gets its name as its id here (`…::test_every_operation_conforms[GET /configuratie]`).
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module, _, last = item.nodeid.rpartition("::")
        if module and "[" in item.name and "[" not in last:
            _set_nodeid(item, f"{module}::{item.name}")


def _set_nodeid(item: pytest.Item, nodeid: str) -> None:
    # pytest has no public setter; 9.2 keeps a structured id, earlier ones the string.
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    else:
        item._nodeid = nodeid
