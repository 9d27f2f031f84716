from factories import counter, tree

from feedback_service.tokens import counter_token


def test_form_and_submission_round_trip(client, app):
    _, commune, _ = tree()
    desk = counter(commune)
    token = counter_token(desk)
    page = client.get(f"/q/{token}")
    assert page.status_code == 200
    assert "Phường Thục Phán" in page.get_data(as_text=True)
    sent = client.post(f"/q/{token}", data={"overall": "4", "conduct_greet": "yes"})
    assert sent.status_code == 303
