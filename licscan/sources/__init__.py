"""Where bytes come from: the Hugging Face Hub, local folders and the HF cache."""
