"""The site's Ask box: /answers/stream?q= streams an answer as server-sent events (the
search page's box and the `answer` block read it with EventSource), /answers/?q= is the
same answer as a page, for browsers without JavaScript. Visitors are rate limited by IP."""

import math

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from answers.models import AnswerRecord
from answers.services import QuestionInvalid, answer_events, answer_question
from answers.streaming import sse_response
from answers.throttles import AnswerThrottle
from content.frame import site_frame

TOO_MANY = "Too many questions: try again in {wait} seconds."


def _throttled(request) -> HttpResponse | None:
    throttle = AnswerThrottle()
    if throttle.allow_request(request):
        return None
    wait = math.ceil(throttle.wait() or 1)
    response = HttpResponse(TOO_MANY.format(wait=wait), status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response


@require_GET
def ask_stream(request):
    refused = _throttled(request)
    if refused is not None:
        return refused
    try:
        return sse_response(answer_events(question=request.GET.get("q", ""), surface=AnswerRecord.Surface.SITE))
    except QuestionInvalid as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")


@require_GET
def ask(request):
    question = request.GET.get("q", "").strip()
    answer, error, status = None, "", 200
    if question:
        refused = _throttled(request)
        if refused is not None:
            return refused
        try:
            answer = answer_question(question=question, surface=AnswerRecord.Surface.SITE)
        except QuestionInvalid as exc:
            error, status = str(exc), 400
    context = {
        **site_frame(tenant=request.tenant),  # name, accent, the home page's menu, as on its pages
        "question": question,
        "answer": answer,
        "error": error,
    }
    return render(request, "answers/answer_page.html", context, status=status)
