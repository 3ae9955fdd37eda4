import pytest

from rusmiddel_analysis.ingest.demo import STATUS_2017
from rusmiddel_analysis.ingest.status_text import StatusTextError, read_status_text

from .conftest import with_disclosure


def test_shipped_2017_status_parses_into_the_four_focus_areas(tmp_path, strategy):
    (tmp_path / "2017.md").write_bytes(STATUS_2017.read_bytes())
    status = read_status_text(strategy, tmp_path, 2017)
    focus_ids = [f.id for f in strategy.focus_areas]
    assert [k for k in status.sections if k in focus_ids] == focus_ids
    assert "Opfølgningstallene for 2017 kan ikke anvendes" in status.sections["effekt_af_behandling"]
    assert "SOSU Nord" in status.sections["unge_ungdomsuddannelserne"]
    assert "Rusmiddelkatalog" in status.sections["forebyggelse"]  # core-effort level text


def test_missing_and_empty_files(tmp_path, strategy):
    assert not read_status_text(strategy, tmp_path, 2018).exists
    (tmp_path / "2018.md").write_text("  \n<!-- nothing yet -->\n")
    status = read_status_text(strategy, tmp_path, 2018)
    assert status.exists and status.empty and status.sections == {}


def test_unknown_heading_lists_the_valid_ones(tmp_path, strategy):
    (tmp_path / "2019.md").write_text("# Unge i folkeskolen\ntekst\n## Ældre borgere\nmere\n", encoding="utf-8")
    with pytest.raises(StatusTextError) as info:
        read_status_text(strategy, tmp_path, 2019)
    message = str(info.value)
    assert "line 3: unknown heading 'Ældre borgere'" in message
    assert "valid headings: Forebyggelse og tidlig opsporing, Behandling, Unge i folkeskolen" in message


def test_english_names_and_kerneindsats_prefix_are_accepted(tmp_path, strategy):
    (tmp_path / "2019.md").write_text("# Kerneindsats 2: Behandling\nA\n## Effect of treatment\nB\n### Free sub-heading\nC\n", encoding="utf-8")
    status = read_status_text(strategy, tmp_path, 2019)
    assert status.sections == {"behandling": "A", "effekt_af_behandling": "B\n### Free sub-heading\nC"}


# every way an attacker got markup through a status file into a page or the committee's PDF
ATTACKS = """# Unge i folkeskolen
Tekst med <script>alert('x')</script> og <iframe src="https://example.org/"></iframe>.

<form action="https://example.org/post" method="post"><input name="q"></form>

[klik](javascript:alert(1)) og [fil](file:///etc/passwd) og [data](data:text/html;base64,PGI+) og [side](../../index.html)

<img src="x.png" onload="alert(1)"> ![billede](https://example.org/pixel.png)

<meta http-equiv="refresh" content="0; url=https://example.org/">
<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
<a rel="attachment" href="file:///etc/passwd">bilag</a>
<style>.rm-demo { display: none }</style>
<p style="color: red" class="rm-demo" id="main">stylet</p>
"""


def elements(markup: str) -> list[tuple[str, dict]]:
    """Every start tag of a fragment with its attributes (an HTML parser's view, not a text search)."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(markup)
    return found


def test_status_markdown_is_text_raw_html_never_markup():
    from rusmiddel_analysis.present.markdown import ATTRIBUTES, TAGS, markdown_html

    rendered = markdown_html(ATTACKS.split("\n", 1)[1])
    tags = elements(rendered)
    assert {tag for tag, _ in tags} <= TAGS | {"a"}, tags
    for tag, attrs in tags:
        assert set(attrs) <= ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set()), (tag, attrs)
        if tag == "a":
            assert attrs["rel"] == "noopener noreferrer"
            assert "href" not in attrs or attrs["href"].startswith(("http:", "https:", "mailto:")), attrs
    assert "&lt;script&gt;" in rendered  # shown as the text the analyst typed, never run


def test_status_markdown_keeps_what_analysts_write():
    from rusmiddel_analysis.present.markdown import markdown_html

    source = (
        "Tekst med *vægt*, **fed** og `kode`.\n\n- et\n- to\n\n1. først\n2. så\n\n> citat\n\n### Underafsnit\n\n"
        "| Skole | Status |\n| --- | --- |\n| A | i gang |\n\n"
        '[Sundhedsstyrelsen](https://www.sst.dk "SST") og <mailto:rusmiddel@aalborg.dk>\n'
    )
    rendered = markdown_html(source, heading_offset=2)
    tags = [tag for tag, _ in elements(rendered)]
    for tag in ("em", "strong", "code", "ul", "ol", "li", "blockquote", "h5", "table", "th", "td", "a"):
        assert tag in tags, tag
    links = [attrs for tag, attrs in elements(rendered) if tag == "a"]
    assert links == [
        {"href": "https://www.sst.dk", "title": "SST", "rel": "noopener noreferrer"},
        {"href": "mailto:rusmiddel@aalborg.dk", "rel": "noopener noreferrer"},
    ]


SMALL_COUNTS = [
    "Kun 3 elever i 6. klasse har prøvet andre stoffer",
    "2 af dem er piger.",
    "4 nye borgere startede",
    "Tre elever fortalte det",
    "1 forløb blev afbrudt",
    "2-3 unge fra skolen",
    "Antallet var 4 personer.",
    "3 af eleverne",
    "(2 drenge)",
    "Only three pupils said so",
    "one of them",
]
NOT_COUNTS = [
    "I 2017 svarede 8.883 elever",  # a year, a count over the smallest cell
    "3 % af eleverne",
    "3 procent af de unge",
    "3,5 elever i snit",
    "eleverne i 6. klasse",
    "eleverne i 6.-7. klasse",
    "den 3. marts mødtes 40 borgere",
    "møde 3/4 med borgere",
    "kl. 10:30 kom 12 unge",
    "5 elever",
    "2 skoler med mange elever",
    "elever på 2 skoler",
    "letters went to pupils",
    "en elev fortalte",  # 'en' is the article; 'én' is the number
    "Mål 3: unge uden hash",
]


@pytest.mark.parametrize("line", SMALL_COUNTS)
def test_a_small_count_of_persons_is_found(line):
    from rusmiddel_analysis.ingest.status_text import counts_small_cell

    assert counts_small_cell(line, 5)


@pytest.mark.parametrize("line", NOT_COUNTS)
def test_years_percentages_grades_dates_and_larger_counts_are_not_small_counts(line):
    from rusmiddel_analysis.ingest.status_text import counts_small_cell

    assert not counts_small_cell(line, 5)


def test_a_small_count_stops_the_status_file_naming_file_and_line_never_the_words(tmp_path, strategy):
    text = (
        "# Unge i folkeskolen\n<!-- a note\nover two lines -->\nSkolerne arbejder videre.\n\n"
        "Kun 3 elever i 6. klasse har prøvet andre stoffer; 2 af dem er piger.\n"
    )
    (tmp_path / "2017.md").write_text(text, encoding="utf-8")
    with pytest.raises(StatusTextError) as info:
        read_status_text(strategy, tmp_path, 2017)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / '2017.md'}, line 6: a count of fewer than 5 persons")
    for word in ("elever", "piger", "stoffer", "Kun 3"):
        assert word not in message


def test_the_smallest_cell_comes_from_the_strategy(tmp_path, strategy):
    three = with_disclosure(strategy, min_cell=3)
    (tmp_path / "2017.md").write_text("# Unge i folkeskolen\nKun 3 elever svarede ja.\n", encoding="utf-8")
    assert read_status_text(three, tmp_path, 2017).sections["unge_folkeskolen"] == "Kun 3 elever svarede ja."
    with pytest.raises(StatusTextError, match="line 2: a count of fewer than 5 persons"):
        read_status_text(strategy, tmp_path, 2017)
