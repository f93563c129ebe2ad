"""A Hugging Face Hub test double for licscan's tests and benchmarks.

    from tests.hubdouble import HubDouble, RepoSpec, Fault

    with HubDouble() as hub:
        hub.add_model(RepoSpec("acme/m", files={"README.md": "---\\nlicense: mit\\n---\\n"}))
        ...  # point huggingface_hub at hub.url (see tests.hubdouble.fixtures.client_env)

This package never imports `huggingface_hub`, so importing it does not freeze `HF_ENDPOINT`.
"""

from .server import HubDouble
from .specs import Fault, RepoSpec, RequestRecord

__all__ = ["Fault", "HubDouble", "RepoSpec", "RequestRecord"]
