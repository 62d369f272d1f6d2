"""SQL of the people domain."""

PERSON_ID_NUMBER = """
SELECT p.id, p.name, p.id_number, p.household_id FROM person p WHERE p.id = :id
"""
