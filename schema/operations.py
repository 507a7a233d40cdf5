"""Choosing the operation of a document (GraphQL spec, section 6.1, GetOperation)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, ValidationRule
from strawberry.extensions import SchemaExtension


class OperationNameNeededRule(ValidationRule):
    """A document with several operations needs an `operationName` to pick one."""

    def enter_document(self, node: DocumentNode, *_args: Any) -> None:
        operations = [d for d in node.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) > 1:
            self.report_error(
                GraphQLError(
                    "The document has several operations: name the one to run in `operationName`.",
                    operations,
                )
            )


class OperationNameRequired(SchemaExtension):
    """strawberry runs the first operation when the request names none; the spec calls
    for a request error, so the rule above joins validation when no name was sent."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        # strawberry keeps the name the client sent apart from its first-operation fallback.
        if getattr(context, "_provided_operation_name", None) is None:
            context.validation_rules = (*context.validation_rules, OperationNameNeededRule)
        yield
