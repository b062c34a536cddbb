"""A transcript's speakers, read from its labels: who they are, and the brief's participants."""

from __future__ import annotations

import pytest

from summarizer._numbered import Numbered
from summarizer._passes import PASSES, assemble, passes_for, speakers
from summarizer._speakers import Speaker, labels, read_label
from summarizer.schemas.passes import Agenda, Overview, Topic
from tests.conftest import SEED

HANSARD = """\
The Chair (Hon. Anthony Rota (Nipissing, Lib.)): I call this meeting to order.
Hon. Ed Fast (Abbotsford, CPC): Mr. Chair, I have a question for the minister.
The Chair: Go ahead.
Hon. Bill Morneau (Minister of Finance): We will extend the wage subsidy until December.
Hon. Ed Fast: Will the minister table the costs?
The Chair: Thank you. We now go to Ms. Jean Yip, who sent her regrets.
"""


@pytest.mark.parametrize(
    ("label", "name", "title", "side"),
    [
        ("Lynne Neagle AM", "Lynne Neagle", "AM", ""),
        ("Mr. Jagmeet Singh (Burnaby South, NDP)", "Jagmeet Singh", "", "NDP"),
        ("Hon. Bill Morneau (Minister of Finance)", "Bill Morneau", "Minister of Finance", ""),
        # A title with a comma in it is not a riding and a party.
        (
            "Hon. Mary Ng (Minister of Small Business, Export Promotion and International Trade)",
            "Mary Ng",
            "Minister of Small Business, Export Promotion and International Trade",
            "",
        ),
        ("The Chair (Hon. Anthony Rota (Nipissing, Lib.))", "Anthony Rota", "Chair", "Lib."),
        ("The Acting Chair (Mr. Bruce Stanton)", "Bruce Stanton", "Acting Chair", ""),
        ("The Chair", "Chair", "Chair", ""),
        ("Professor Jane Roe", "Jane Roe", "Professor", ""),
        ("Steve Davies", "Steve Davies", "", ""),
    ],
)
def test_a_label_gives_name_title_and_party(label: str, name: str, title: str, side: str) -> None:
    assert read_label(label) == Speaker(name, title, side)


def test_a_transcript_s_labels_name_each_speaker_once_and_the_bare_chair_is_the_named_chair() -> None:
    read = labels(HANSARD)
    rota = Speaker("Anthony Rota", "Chair", "Lib.")
    assert read["The Chair"] == read["The Chair (Hon. Anthony Rota (Nipissing, Lib.))"] == rota
    # One speaker under two labels takes what each label gives.
    assert read["Hon. Ed Fast"] == read["Hon. Ed Fast (Abbotsford, CPC)"] == Speaker("Ed Fast", "", "CPC")
    assert len(set(read.values())) == 3


@pytest.mark.parametrize(
    "text",
    [
        SEED.read_text(encoding="utf-8"),
        # Labels on too few lines, or on under half of them: not a transcript.
        "Note: the figures are provisional.\nSource: the ministry.\n",
        "Note: provisional.\nSource: the ministry.\nUpdate: revised.\n" + "The ministers met.\n" * 4,
        # One speaker only is a statement, not a conversation.
        "Mary Jones: One.\nMary Jones: Two.\nMary Jones: Three.\n",
        # An interview's questions and answers do not say who speaks: the model is asked.
        "Q: Will you run?\nA: No.\nQ: Why not?\nA: My family comes first.\n",
        "Question: Will you run?\nAnswer: No.\nQuestion: Why not?\nAnswer: My family comes first.\n",
        # A form's fields are not speakers: an e-mail's header, a record's minutes.
        "From: Anna Berg\nTo: Tom Ruiz\nSubject: Talks\nDate: 3 May\nThe talks are on.\n",
        "Present: Anna Berg, Tom Ruiz\nApologies: Li Wei\nItem 1: Budget approved.\n"
        "Action: Tom Ruiz to circulate the draft.\nAction: Anna Berg to call the bank.\n",
        # Labels each used once are a list of topics, not turns.
        "Budget: approved.\nStaffing: deferred.\nPremises: the lease is renewed.\n",
    ],
)
def test_a_document_that_is_not_a_transcript_has_no_speakers(text: str) -> None:
    assert labels(text) == {}
    assert speakers(Numbered(text)) is None


def test_a_record_s_fields_are_not_its_speakers() -> None:
    record = (
        "Date: 3 May 2024\nPresent: Anna Berg, Tom Ruiz\n"
        "Anna Berg: Shall we start with the budget?\nTom Ruiz: Yes. We will cut travel.\n"
        "Anna Berg: Agreed.\nAction: Tom Ruiz to circulate the draft.\n"
    )
    assert set(labels(record)) == {"Anna Berg", "Tom Ruiz"}


def test_a_transcript_s_participants_are_its_speakers_and_the_model_is_not_asked() -> None:
    doc = Numbered(HANSARD)
    assert "participants" not in [p.name for p in passes_for(doc)]
    news = Numbered(SEED.read_text(encoding="utf-8"))
    assert [p.name for p in passes_for(news)] == [p.name for p in PASSES]
    heard = speakers(doc)
    assert heard is not None
    # Ms. Jean Yip is only mentioned: not a participant.
    assert [(p.name, p.role, p.evidence) for p in heard.people] == [
        ("Anthony Rota", "chair", [1]),
        ("Ed Fast", "speaker", [2]),
        ("Bill Morneau", "speaker", [4]),
    ]


def test_a_part_of_a_transcript_knows_its_chair_from_the_whole_and_cites_the_label() -> None:
    part = HANSARD[HANSARD.index("The Chair: Go ahead") :]
    doc = Numbered(part, labels(HANSARD))
    answers = {
        "agenda": Agenda(agenda=[Topic(topic="wage subsidy", evidence=[2])]),
        "overview": Overview(tone="neutral", headline="Questions", summary="They asked.", evidence=[2]),
    }
    brief = assemble(answers, doc)  # type: ignore[arg-type]
    assert [(p.name, p.title, p.affiliation) for p in brief.participants] == [
        ("Anthony Rota", "Chair", "Lib."),
        ("Bill Morneau", "Minister of Finance", ""),
        ("Ed Fast", "", "CPC"),
    ]
    # Every span is the source's words: the name in the label, or the bare label that is theirs.
    assert [p.evidence for p in brief.participants] == ["The Chair", "Bill Morneau", "Ed Fast"]
    for p in brief.participants:
        assert p.span is not None and part[p.span.start : p.span.end] == p.evidence
