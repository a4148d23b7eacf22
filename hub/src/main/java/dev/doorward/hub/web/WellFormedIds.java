package dev.doorward.hub.web;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.shared.InvalidInput;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Every id a route is given (a path variable or query parameter named {@code id} or {@code …Id}: household,
 * device, event, account, browser) is one the hub could have made ({@link RandomIds}), or the request is a 400
 * before the route runs: nothing else reaches a query. Says nothing about whether an id exists.
 */
@Configuration(proxyBeanMethods = false)
class WellFormedIds implements WebMvcConfigurer, HandlerInterceptor {
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (request.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE) instanceof Map<?, ?> variables) {
            variables.forEach((name, value) -> check(String.valueOf(name), String.valueOf(value)));
        }
        request.getParameterMap().forEach((name, values) -> {
            for (String value : values) {
                check(name, value);
            }
        });
        return true;
    }

    private static void check(String name, String value) {
        if ((name.equals("id") || name.endsWith("Id")) && !RandomIds.isWellFormedId(value)) {
            throw new InvalidInput("Not a valid id: " + name);
        }
    }
}
