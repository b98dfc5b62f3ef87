"""The typography rules are written for speed (the character acted on first,
then a look behind it; URLs looked for only where one can be): each still
matches exactly where its plain form, the one the rule was written as, does."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings, strategies as st

from french_typography import typography as T

W = T._WORDY
# (fast rule, its replacement, the plain form, its replacement)
RULES = {
    "apostrophe": (T._APOSTROPHE, "’", r"(?<=[^\W\d_])'(?=\w)", "’"),
    "space before ; ! ?": (T._SPACE_BEFORE_HIGH, T.NNBSP, r"(?<=\S)[ \u00a0]+(?=[;!?])", T.NNBSP),
    "missing before ; ! ?": (T._MISSING_BEFORE_HIGH, T.NNBSP + r"\g<0>", rf"(?<={W})(?=[;!?])", T.NNBSP),
    "space before :": (T._SPACE_BEFORE_COLON, T.NBSP + ":", r"(?<=\S)[ \u202f]+:(?=\s|$|«)", T.NBSP + ":"),
    "missing before :": (T._MISSING_BEFORE_COLON, T.NBSP + ":", rf"(?<={W}):(?=\s|$|«)", T.NBSP + ":"),
}
TEXT = st.text(alphabet=list("aé1 \t\n\u00a0\u202f;!?:«»%€'\".-)]*…’_"), max_size=40)


@pytest.mark.parametrize("rule", RULES)
@settings(max_examples=400, deadline=None)
@given(text=TEXT)
def test_a_fast_rule_matches_where_its_plain_form_does(rule, text):
    fast, fast_by, plain, plain_by = RULES[rule]
    assert fast.sub(fast_by, text) == re.sub(plain, plain_by, text)


URLISH = st.text(alphabet=list("httpsHTPSftpmailoMAILTOelLwW.:/@ſıK x"), max_size=16)


@settings(max_examples=2000, deadline=None)
@given(text=URLISH)
def test_text_is_searched_for_urls_whenever_it_holds_one(text):
    """The old test, a colon, @, / or "www.", still decides; a colon needs a scheme
    or a www. of any case before the URL pattern runs, which finds none without."""
    old_gate = ":" in text or "@" in text or "/" in text or "www." in text
    if old_gate and T._URL.search(text):
        assert T._may_hold_url(text)
    if T._may_hold_url(text):
        assert old_gate


@pytest.mark.parametrize("text", ["Voir https://exemple.fr : oui.", "Écrire à a@b.fr !", "Le site WWW.EXEMPLE.FR : bien",
                                  "Note : MAILTO:x", "Appel : tel:0102", "Rien : ici !", "Le 12/03 : date"])
def test_colons_and_urls(text):
    assert T._may_hold_url(text) == (T._URL.search(text) is not None or "/" in text or "@" in text)
