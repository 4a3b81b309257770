"""Two allocations racing for the same budget: the row lock lets exactly one through."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jingzhun.funds import selectors, services
from jingzhun.funds.models import Allocation


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_allocations_cannot_both_pass(places, monkeypatch):
    county = places["A"]
    services.budget_create(by=None, region=county, level="county", budget_year=2018, amount_fen=100)

    real = selectors.pool_balance

    def slow_balance(**kw):
        balance = real(**kw)
        time.sleep(0.5)  # hold the lock while the other request arrives
        return balance

    monkeypatch.setattr(services, "pool_balance", slow_balance)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def allocate(category):
        try:
            start.wait()
            services.allocation_create(
                by=None,
                region=county,
                level="county",
                budget_year=2018,
                year=2018,
                batch="1",
                category=category,
                amount_fen=60,
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(c,)) for c in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Allocation.objects.count() == 1
    assert real(region_code=county.code, level="county", budget_year=2018).remaining == 40
