"""The office's mail: pulling reports from its IMAP mailbox, answering communes over SMTP.

Plain functions over plain data, like extractors/ and transforms/: the network is here, the
warehouse's side in warehouse/mail.py, the order of things in flows/mailbox.py.
"""
