"""Complaint cases opened by negative ratings: workflow, due dates in working days, notices."""
