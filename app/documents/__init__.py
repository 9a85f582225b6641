"""Word documents: reports and per-case 文书 rendered from .docx templates (docxtpl).

`catalog` says which templates exist (bundled defaults, the office's own copies override them),
`context` builds what a template sees, `template_check` finds and repairs template mistakes,
`engine` checks, renders and writes the file atomically.
"""
