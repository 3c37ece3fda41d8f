"""Data queries: a monitor raises one on a saved record, the site answers, the monitor closes
it (:mod:`hepar.services.study_data_queries`; each step audited)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query

from hepar.services.study_data_queries import answer_query, close_query, list_queries, raise_query
from hepar.services.web_patients import visible_patient

from ._schemas import QueryAnswerIn, QueryCloseIn, QueryIn, SavedOut
from ._security import ActingUser, CurrentUser, StoreDep

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["queries"])


@router.get("/queries")
def queries(user: CurrentUser, store: StoreDep,
            status: str | None = Query(default=None, pattern="^(open|answered|closed)$")
            ) -> list[dict[str, Any]]:
    """The data queries of the patients the user may see (optionally of one status)."""
    return [asdict(q) for q in list_queries(store, user.username, status=status)]


@router.post("/patients/{study_id}/queries", response_model=SavedOut, status_code=201)
def raise_(study_id: str, body: QueryIn, user: ActingUser, store: StoreDep) -> SavedOut:
    """Raise a data query on a saved record of the patient (monitors)."""
    visible_patient(store, user, study_id)
    saved = raise_query(store, user.username, study_id=study_id, table=body.table,
                        record_id=body.record_id, field=body.field, question=body.question,
                        now=datetime.now(UTC))
    return SavedOut(**asdict(saved))


@router.post("/queries/{query_id}/answer", response_model=SavedOut)
def answer(query_id: int, body: QueryAnswerIn, user: ActingUser, store: StoreDep) -> SavedOut:
    """Answer an open data query (the site's investigators and research nurses)."""
    saved = answer_query(store, user.username, query_id=query_id, expected_version=body.version,
                         answer=body.answer, now=datetime.now(UTC))
    return SavedOut(**asdict(saved))


@router.post("/queries/{query_id}/close", response_model=SavedOut)
def close(query_id: int, body: QueryCloseIn, user: ActingUser, store: StoreDep) -> SavedOut:
    """Close an answered data query, or re-open it with a new question (monitors)."""
    saved = close_query(store, user.username, query_id=query_id, expected_version=body.version,
                        now=datetime.now(UTC), reopen_with=body.reopen_with)
    return SavedOut(**asdict(saved))
