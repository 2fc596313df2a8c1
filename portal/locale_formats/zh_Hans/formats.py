"""Input formats for zh-hans, ISO first (Django's own zh_Hans list starts with
"%Y/%m/%d").

A widget without a format of its own renders a value in the first input format. The
browser's date and date-time pickers read only ISO values, and a plain text field
showing 2017-10-01 is what the import files and the rest of the portal use, so ISO
comes first; the other formats people type are still accepted. Everything not set
here (how dates are displayed, 2017年10月1日) stays Django's.
"""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2016-09-05'
    "%Y/%m/%d",  # '2016/09/05'
    "%Y年%m月%d日",  # '2016年9月5日'
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # '2016-09-05 20:45:29'
    "%Y-%m-%dT%H:%M:%S",  # '2016-09-05T20:45:29' (the browser's datetime-local)
    "%Y-%m-%d %H:%M",  # '2016-09-05 20:45'
    "%Y-%m-%dT%H:%M",  # '2016-09-05T20:45'
    "%Y-%m-%d %H:%M:%S.%f",  # '2016-09-05 20:45:29.000200'
    "%Y/%m/%d %H:%M",  # '2016/09/05 20:45'
    "%Y/%m/%d %H:%M:%S",  # '2016/09/05 20:45:29'
    "%Y/%m/%d %H:%M:%S.%f",  # '2016/09/05 20:45:29.000200'
    "%Y年%m月%d日 %H:%M",  # '2016年9月5日 14:45'
    "%Y年%m月%d日 %H:%M:%S",  # '2016年9月5日 20:45:29'
]
