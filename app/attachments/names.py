"""Words and small facts about attachments shared by the service and the 卷宗."""

from pathlib import Path

# What the clerk files (the CLI's --kind); 文书 is given by the program to generated documents.
KINDS = ("来信原件", "照片", "回执", "答复材料", "其他")
GENERATED = "文书"
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"})


def is_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1_048_576:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1_048_576:.1f} MB"
