"""信访工作台 Qt widgets."""
