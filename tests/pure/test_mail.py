"""Every mail the service sends is built and sent in one place (`feedback_service/mail.py`):
complaint notices and period-report mail carry the same From, and neither module speaks SMTP."""
import inspect

from flask import Flask

from feedback_service import mail
from feedback_service.cases import notices
from feedback_service.reports import schedule


def test_a_plain_message_is_from_mail_from_to_everyone():
    app = Flask(__name__)
    app.config.update(MAIL_FROM="sipas@caobang.test")
    with app.app_context():
        message = mail.plain_message("Nhắc nộp báo cáo", "Nội dung.\n", ["a@x.test", "b@x.test"])
    assert (message["Subject"], message["From"], message["To"]) == (
        "Nhắc nộp báo cáo", "sipas@caobang.test", "a@x.test, b@x.test")
    assert message.get_content() == "Nội dung.\n"


def test_smtp_is_configured_by_smtp_host_alone():
    app = Flask(__name__)
    with app.app_context():
        assert not mail.smtp_configured()
        app.config["SMTP_HOST"] = "127.0.0.1"
        assert mail.smtp_configured()


def test_notices_and_the_schedule_send_through_the_one_mail_module():
    for module in (notices, schedule):
        assert module.send is mail.send and module.smtp_configured is mail.smtp_configured
        assert "smtplib" not in inspect.getsource(module) and "EmailMessage()" not in inspect.getsource(module)
