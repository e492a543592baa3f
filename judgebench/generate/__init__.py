"""`judgebench generate`: write evaluation dialogues for personas with any litellm model."""

from ._personas import Persona, load_personas
from ._prompts import Arm, generation_prompt_hash
from ._run import GenerationRequest, generate_dialogues, plan_generation

__all__ = ["Arm", "GenerationRequest", "Persona", "generate_dialogues", "generation_prompt_hash", "load_personas", "plan_generation"]
