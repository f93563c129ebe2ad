"""Property: the gate never allows a model whose files hold a non-commercial license text
(issue 12, "Done when"). Hypothesis builds repositories: a CC BY-NC text (from the shared
corpus, read at test time) under varied names and places (root, subfolders, LICENSES/, a
name that says nothing), in varied encodings (UTF-8, UTF-8 with BOM, UTF-16, CRLF), with
noise (a leading NUL or control bytes, blank padding past the size cap, look-alike letters,
decoy Apache copies) and varied card claims. Each is scanned through the CLI (`licscan scan
--format json`, default policy, a commercial context as in the demo), as a local folder and,
for some, through the Hub double; the verdict must never be `allow`.

Examples: 30 per property by default, 200 when CI is set (each is a whole scan).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import corpus_dir
from tests.hubdouble import HubDouble, RepoSpec
from tests.test_gate_common import scan, write_tree

EXAMPLES = 200 if os.environ.get("CI") else 30
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")),
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NC_TEXTS = ["cc-by-nc-4.0.txt", "cc-by-nc-sa-4.0.txt", "cc-by-nc-nd-4.0.txt"]
NAMES = ["LICENSE", "LICENSE.txt", "license.md", "LICENCE", "Model License Agreement.txt",
         "LicenseAgreement.txt", "LICENSES/CC-BY-NC-4.0.txt", "licenses/model", "TERMS_OF_USE.md",
         "terms.txt", "USE_POLICY.md", "EULA.rtf", "NOTICE", "model_license", "COPYING",
         "notes.txt", "READ_THIS"]
PLACES = ["", "weights/", "docs/legal/", "a/b/c/"]
CLAIMS = ["license: apache-2.0\n", "license: mit\n", "license: cc-by-4.0\n", "license: other\n",
          "", "license: [apache-2.0, mit]\n", "license: openrail\n",
          "license: apache-2.0\nlicense_link: https://www.apache.org/licenses/LICENSE-2.0\n",
          "license: other\nlicense_name: acme-open\nlicense_link: LICENSE\n"]
# Cyrillic letters that look like Latin ones
CONFUSABLES = str.maketrans({"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441",
                             "p": "\u0440", "x": "\u0445"})


@dataclass(frozen=True)
class Repo:
    text: str
    name: str
    place: str
    encoding: str
    noise: str
    decoys: int
    claim: str

    def path(self) -> str:
        if self.name.lower().startswith("licenses/"):
            return self.name  # the REUSE folder sits at the root
        return self.place + self.name

    def files(self, corpus: Path) -> dict[str, str | bytes]:
        text = (corpus / self.text).read_text(encoding="utf-8")
        if self.noise == "confusables":
            text = text.translate(CONFUSABLES)
        if self.encoding == "crlf":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        data = _encode(text, self.encoding)
        if self.noise == "nul":
            data = b"\0" + data
        elif self.noise == "controls":
            data = b"\x01\x02\x1b" + data
        elif self.noise == "padding":
            data = data + b"\n" * (1 << 20) + b" \t" * 4096
        elif self.noise == "front-padding":
            data = b"\r\n" * 600_000 + data
        apache = (corpus / "apache-2.0.txt").read_bytes()
        files: dict[str, str | bytes] = {f"LICENSE-{i:02d}": apache for i in range(self.decoys)}
        files["README.md"] = f"---\n{self.claim}---\n# Model\n\nWeights for a model.\n"
        files[self.path()] = data
        return files


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "utf-16":
        return text.encode("utf-16")  # with its BOM
    return text.encode("utf-8")


REPOS = st.builds(
    Repo, text=st.sampled_from(NC_TEXTS), name=st.sampled_from(NAMES),
    place=st.sampled_from(PLACES),
    encoding=st.sampled_from(["utf-8", "utf-8-bom", "utf-16", "crlf"]),
    noise=st.sampled_from(["none", "nul", "controls", "padding", "front-padding",
                           "confusables"]),
    decoys=st.sampled_from([0, 0, 1, 16, 70]), claim=st.sampled_from(CLAIMS))


def _never_allowed(model: dict[str, Any], repo: Repo) -> None:
    assert model["verdict"] != "allow", (repo, model.get("license"), model.get("findings"))


def _in_tmp(check: Callable[[Path], None]) -> None:
    with tempfile.TemporaryDirectory(prefix="licscan-prop-") as tmp:
        check(Path(tmp))


def test_local_repositories_with_an_nc_text_are_never_allowed() -> None:
    corpus = corpus_dir()

    @PROFILE
    @given(REPOS)
    def prop(repo: Repo) -> None:
        def check(tmp: Path) -> None:
            model = write_tree(tmp / "model", repo.files(corpus))
            _never_allowed(scan(tmp, str(model)).model(), repo)

        _in_tmp(check)

    prop()


def test_hub_repositories_with_an_nc_text_are_never_allowed() -> None:
    corpus = corpus_dir()
    counter = iter(range(1_000_000))
    with HubDouble() as hub:

        @settings(PROFILE, max_examples=max(10, EXAMPLES // 3))
        @given(REPOS)
        def prop(repo: Repo) -> None:
            repo_id = f"acme/m{next(counter)}"
            hub.add_model(RepoSpec(repo_id, files=repo.files(corpus)))

            def check(tmp: Path) -> None:
                _never_allowed(scan(tmp, repo_id, endpoint=hub.url).model(), repo)

            _in_tmp(check)

        prop()
